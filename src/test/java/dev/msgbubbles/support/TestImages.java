package dev.msgbubbles.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/** Images made without any tool, for tests. */
public final class TestImages {
    private TestImages() {
    }

    /**
     * A valid 8-bit greyscale PNG of {@code width} × {@code height}: the first {@code noisyRows} rows random (to make
     * the file larger), the rest black, which deflate packs about a thousand to one. A decompression bomb: a 12,000 ×
     * 10,000 one is some 120 KB on disk and 120 MB decoded. Written row by row, so making it takes little memory.
     */
    public static byte[] grayPng(int width, int height, int noisyRows) {
        try {
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            Random random = new Random(11);
            byte[] row = new byte[width + 1]; // filter type 0, then the pixels
            try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION), 1 << 16)) {
                for (int y = 0; y < height; y++) {
                    if (y < noisyRows) {
                        random.nextBytes(row);
                        row[0] = 0;
                    } else if (y == noisyRows) {
                        java.util.Arrays.fill(row, (byte) 0);
                    }
                    z.write(row);
                }
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height)
                    .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0).array());
            chunk(png, "IDAT", idat.toByteArray());
            chunk(png, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        png.write(ByteBuffer.allocate(4).putInt(data.length).array());
        png.write(typeBytes);
        png.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        png.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
