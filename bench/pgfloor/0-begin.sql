-- each transaction stands for fifteen sends: a new value of blocks numbers its messages
\set prev :x
SELECT nextval('blocks') AS x \gset
BEGIN;
