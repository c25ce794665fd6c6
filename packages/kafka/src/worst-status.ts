import type { ConsumerState, ConsumerStatus } from '@switchboard/core';

const SEVERITY: Record<ConsumerState, number> = { live: 0, recovering: 1, failed: 2 };

/**
 * One status for core from the several kafkajs consumers behind one subscription (a channel
 * consumer and its retry consumer, a priority channel's levels): the worst of their last reports,
 * failed over recovering over live, reported when it changes.
 */
export class WorstStatus {
  private readonly states: (ConsumerStatus | undefined)[] = [];
  private reported: ConsumerStatus | undefined;

  constructor(private readonly report: ((status: ConsumerStatus) => void) | undefined) {}

  /** The status callback of consumer `index`. */
  of(index: number): (status: ConsumerStatus) => void {
    return (status) => {
      this.states[index] = status;
      let worst: ConsumerStatus | undefined;
      for (const state of this.states) if (state !== undefined && (worst === undefined || SEVERITY[state.state] > SEVERITY[worst.state])) worst = state;
      if (worst === undefined || (worst === this.reported && worst.state === this.reported.state)) return;
      this.reported = worst;
      this.report?.(worst);
    };
  }
}
