// Event style (Scaleway `handle`, Lambda `handler`): handle(event, context) returns
// { statusCode, headers, body }.
//   GET /event?name=Ada -> 200 application/json
//     {"greeting":"Hello, Ada!","method":"GET","path":"/event","requestId":"<the request id>"}
//   POST /event -d 'abc' -> 200 application/json  {"received":3,"base64":false}
export async function handle(event, context) {
  if (event.httpMethod === 'POST')
    return json({ received: event.body.length, base64: event.isBase64Encoded })
  const name = event.queryStringParameters.name ?? 'world'
  return json({
    greeting: `Hello, ${name}!`,
    method: event.httpMethod,
    path: event.path,
    requestId: context.requestId,
  })
}

function json(value) {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  }
}
