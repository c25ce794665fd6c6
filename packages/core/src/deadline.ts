/**
 * Settles like `work`, or rejects with `onTimeout()` after `ms` if `work` has not settled by then.
 * The timer is referenced on purpose: an operation in progress keeps the process alive until it
 * settles or times out. A late rejection of `work` is observed, so it never becomes unhandled.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
