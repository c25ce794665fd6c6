import type { DeliveryFactory } from './group-consumer.js';

/**
 * The partition each delivery a consumer built came from: so that what a member holds of a
 * partition it lost in a rebalance can be dropped (uncommitted, it is read and run by the new
 * owner, and keeping it would run it twice), and so that the priority gate knows whose turn it is.
 */
export class PartitionTags {
  private readonly tags = new WeakMap<object, number>();

  /** `factory`'s deliveries, each tagged with its partition. */
  tagging(factory: DeliveryFactory): DeliveryFactory {
    return (message, partition, ack, redelivered) => {
      const delivery = factory(message, partition, ack, redelivered);
      if (delivery !== undefined) this.tags.set(delivery, partition);
      return delivery;
    };
  }

  /** The partition `delivery` came from, if a tagging factory built it. */
  of(delivery: object): number | undefined {
    return this.tags.get(delivery);
  }

  /** A test for deliveries of one of `partitions`. */
  within(partitions: readonly number[]): (delivery: object) => boolean {
    const kept = new Set(partitions);
    return (delivery) => kept.has(this.tags.get(delivery) ?? -1);
  }
}
