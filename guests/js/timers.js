// Timers live in the host, which runs them between the invocation's other work in order of due
// time, then creation, and clears those still pending when the invocation ends.

function timerCallback(callback, args) {
  if (typeof callback !== 'function')
    throw typeError('The "callback" argument must be of type function')
  return args.length ? () => callback(...args) : callback
}

function delayOf(ms) {
  const n = Number(ms)
  return numberIsFinite(n) && n > 0 ? n : 0
}

function setTimeout(callback, ms, ...args) {
  return host.setTimer(timerCallback(callback, args), delayOf(ms), 0)
}

function setInterval(callback, ms, ...args) {
  return host.setTimer(timerCallback(callback, args), delayOf(ms), 1)
}

function clearTimeout(id) {
  if (typeof id === 'number') host.clearTimer(id)
}

const clearInterval = clearTimeout

function queueMicrotask(callback) {
  if (typeof callback !== 'function')
    throw typeError('The "callback" argument must be of type function')
  promiseResolve().then(() => {
    try {
      callback()
    } catch (e) {
      reportUncaught(e)
    }
  })
}

// Set with the function's settings (internals.configure in conventions.js).
let timeOrigin = 0

const performance = {
  now: () => host.now(),
  get timeOrigin() {
    return timeOrigin
  },
  toJSON: () => ({ timeOrigin }),
}
