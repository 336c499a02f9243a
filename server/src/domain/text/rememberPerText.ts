/**
 * A pure function of a string, remembered per argument: a fleet file or a fleet view asks the same
 * few texts (a range, a label key, a revision, an interval) hundreds of times. Bounded: when `limit`
 * answers are held they are dropped together, so a stream of distinct texts cannot grow memory.
 */
export function rememberPerText<T>(fn: (text: string) => T, limit: number): (text: string) => T {
  const answers = new Map<string, T>();
  return (text) => {
    if (answers.has(text)) return answers.get(text) as T;
    const answer = fn(text);
    if (answers.size >= limit) answers.clear();
    answers.set(text, answer);
    return answer;
  };
}
