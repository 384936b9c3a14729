// Preloaded into the server under test (NODE_OPTIONS=--import): on SIGUSR2 it does what a badly
// behaved dependency would, as PARLEY_TEST_FAULT says: `throw` in a callback, `reject` a promise
// nobody handles, `exit` with code 7, or `storm`: throw on every tick.
const fault = process.env.PARLEY_TEST_FAULT;
process.on('SIGUSR2', () => {
  if (fault === 'throw')
    setImmediate(() => {
      throw new Error('a dependency threw in a callback');
    });
  else if (fault === 'reject') void Promise.reject(new Error('a dependency rejected a promise'));
  else if (fault === 'exit')
    setImmediate(function dependencyGivesUp() {
      process.exit(7);
    });
  else if (fault === 'storm')
    setInterval(() => {
      throw new Error('a dependency throws on every tick');
    }, 5);
});
