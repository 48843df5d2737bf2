package dev.msgbubbles.cli;

import dev.msgbubbles.config.Config;

/**
 * Chooses the Logback appender and level before the first logger is created (logback.xml reads these
 * system properties). The server logs to stdout; admin commands log warnings only, to stderr, so that
 * stdout carries nothing but their JSON.
 */
final class Logging {
    private Logging() {
    }

    static void forServer(Config.Logging logging) {
        System.setProperty("msgbubbles.log.appender", logging.format().equals("json") ? "JSON" : "TEXT");
        System.setProperty("msgbubbles.log.level", logging.level());
        System.setProperty("msgbubbles.log.target", "System.out");
        bridgeJavaUtilLogging();
    }

    static void forAdmin() {
        System.setProperty("msgbubbles.log.appender", "TEXT");
        System.setProperty("msgbubbles.log.level", "WARN");
        System.setProperty("msgbubbles.log.target", "System.err");
        bridgeJavaUtilLogging();
    }

    private static void bridgeJavaUtilLogging() {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }
}
