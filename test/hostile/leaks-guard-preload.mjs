// Loaded with `node --import` into a cxprobe child process by leaks-guard.test.ts: stands in for
// a bug that a peer's input reaches inside a callback (a message handler, a timer), where no
// caller can catch it. The test sends SIGUSR2 once the exporter listens; the secret in the
// messages must be scrubbed from the log.
const secret = process.env.GUARD_TEST_SECRET ?? '';
process.on('SIGUSR2', () => {
  setTimeout(() => {
    void Promise.reject(new Error(`rejected with ${secret}`));
  }, 50);
  throw new Error(`handler blew up on ${secret}`);
});
