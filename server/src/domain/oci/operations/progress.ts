/** Progress reported by the artifact operations, for CLI lines and editor notifications. */
export type ProgressPhase = 'build' | 'resolve' | 'upload' | 'download' | 'extract' | 'tag' | 'list' | 'diff' | 'retry' | 'done';

export interface ProgressEvent {
  phase: ProgressPhase;
  message: string;
  bytes?: number;
  total?: number;
}

export type ProgressListener = (event: ProgressEvent) => void;

/** Registry retries as `retry` progress lines. */
export function retryReporter(listener: ProgressListener | undefined): ((message: string) => void) | undefined {
  return listener && ((message) => listener({ phase: 'retry', message }));
}

/** Reports transferred bytes at most every `everyBytes`, so a listener is not flooded. */
export function byteReporter(
  phase: ProgressPhase,
  message: string,
  total: number,
  listener: ProgressListener | undefined,
  everyBytes = 4 * 1024 * 1024,
): (n: number) => void {
  let bytes = 0;
  let next = everyBytes;
  return (n: number) => {
    bytes += n;
    if (listener && (bytes >= next || bytes === total)) {
      next = bytes + everyBytes;
      listener({ phase, message, bytes, total });
    }
  };
}
