// Open Runtimes style (CommonJS): module.exports = async (req, res).
//   GET /open-runtimes            -> 200 text/plain  "Open Runtimes says hi (GET /open-runtimes)"
//   POST /open-runtimes -d '{"n":21}'
//                                 -> 200 application/json  {"doubled":42}
//   POST /open-runtimes -d 'oops' -> 400 application/json  {"error":"send JSON like {\"n\": 21}"}
module.exports = async (req, res) => {
  if (req.method !== 'POST')
    return res.send(`Open Runtimes says hi (${req.method} ${req.path})`, 200, {
      'content-type': 'text/plain',
    })
  let n
  try {
    n = JSON.parse(req.payload).n
  } catch {
    return res.json({ error: 'send JSON like {"n": 21}' }, 400)
  }
  res.json({ doubled: n * 2 })
}
