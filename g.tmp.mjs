import { Kafka, logLevel } from 'kafkajs';
const admin = new Kafka({ brokers: ['127.0.0.1:19092','127.0.0.1:19093','127.0.0.1:19094'], logLevel: logLevel.NOTHING }).admin();
await admin.connect();
const topic = process.argv[2];
const groups = (await admin.listGroups()).groups.filter(g => g.groupId.includes(topic));
console.log(groups);
for (const g of groups) { const d = await admin.describeGroups([g.groupId]); console.log(JSON.stringify(d.groups.map(x => ({ state: x.state, members: x.members.map(m => m.clientId + ' ' + m.memberId) })))); console.log(JSON.stringify(await admin.fetchOffsets({ groupId: g.groupId, topics: [topic] }))); }
console.log(JSON.stringify(await admin.fetchTopicOffsets(topic)));
console.log(JSON.stringify((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.map(p => ({ p: p.partitionId, leader: p.leader, isr: p.isr }))));
await admin.disconnect();
