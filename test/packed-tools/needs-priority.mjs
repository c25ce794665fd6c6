// Declarations Kafka refuses (priority and orderedByKey cannot hold together on one Kafka channel): used to prove `switchboard check` exits non-zero with the reasons.
export const config = {
  url: 'kafka://127.0.0.1:9092',
  channels: {
    jobs: { requires: { priority: true, orderedByKey: true, delayedDelivery: true }, groups: ['workers'] },
    audit: { requires: { replay: 'native' } },
  },
};
