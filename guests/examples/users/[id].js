// A route parameter: this file serves /users/:id, and the handler gets it in ctx.params.
//   GET /users/42   -> 200 application/json  {"id":42,"name":"User 42","links":{"self":"/users/42"}}
//   GET /users/abc  -> 400 application/json  {"error":"id must be a positive integer, got \"abc\""}
export default {
  fetch(request, env, ctx) {
    const raw = ctx.params.id
    const id = Number(raw)
    if (!Number.isInteger(id) || id <= 0)
      return Response.json(
        { error: `id must be a positive integer, got "${raw}"` },
        { status: 400 },
      )
    return Response.json({ id, name: `User ${id}`, links: { self: `/users/${id}` } })
  },
}
