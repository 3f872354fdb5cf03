import kafkajs from 'kafkajs';
import { createKafka } from './clients.ts';

/** Changes configs of an existing topic (e.g. `cleanup.policy`), as an operator would. */
export async function alterTopicConfig(
  brokers: string[],
  topic: string,
  config: Record<string, string>,
): Promise<void> {
  const admin = createKafka(brokers, 'alter-topic-config').admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}
