// Kafka's Java default partitioner for keyed records, as Kafka Connect and Debezium producers apply it:
// reads "<partition count> <key as hex>" lines and prints the partition Java would choose for each.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.HexFormat;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

public class Partitions {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] parts = line.trim().split(" ");
            byte[] key = HexFormat.of().parseHex(parts[1]);
            System.out.println(BuiltInPartitioner.partitionForKey(key, Integer.parseInt(parts[0])));
        }
    }
}
