// Compresses or decompresses stdin to stdout exactly as the Kafka 3.9 Java client does for a
// v2 record batch, to check our codecs against the reference implementation:
//
//   java -cp "$(bash scripts/kafka/fetch.sh)/*" packages/kafka/scripts/JavaCodec.java compress lz4 <in >out
//   java -cp "$(bash scripts/kafka/fetch.sh)/*" packages/kafka/scripts/JavaCodec.java decompress zstd <in >out
//
// Codecs: gzip, snappy, lz4, zstd. Used by src/codecs.int.test.ts and to generate the fixtures
// in src/codecs.fixtures.ts.
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

public class JavaCodec {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Compression compression = Compression.of(CompressionType.forName(args[1])).build();
    byte[] input = System.in.readAllBytes();
    byte[] output;
    if (mode.equals("compress")) {
      ByteBufferOutputStream buffer = new ByteBufferOutputStream(1024);
      try (OutputStream out = compression.wrapForOutput(buffer, RecordBatch.MAGIC_VALUE_V2)) {
        out.write(input);
      }
      ByteBuffer written = buffer.buffer();
      written.flip();
      output = new byte[written.remaining()];
      written.get(output);
    } else {
      try (InputStream in = compression.wrapForInput(ByteBuffer.wrap(input), RecordBatch.MAGIC_VALUE_V2, BufferSupplier.create())) {
        output = in.readAllBytes();
      }
    }
    System.out.write(output);
    System.out.flush();
  }
}
