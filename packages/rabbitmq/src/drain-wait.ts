/**
 * amqplib's `publish()` returned false: resolves when one of `waiters` is woken (the channel's
 * 'drain', close or error) or at `deadline`, whichever comes first.
 */
export function waitForDrain(waiters: Set<() => void>, deadline: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    waiters.add(done);
  });
}
