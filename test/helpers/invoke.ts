import type { GuestResponse, HttpInvocation } from '../../host/invocation.js'
import { toWebResponse } from '../../host/response.js'
import { Router } from '../../host/routing/router.js'
import { pathSegments } from '../../host/routing/segments.js'
import type { InvokeOptions, LoadedFunction } from '../../host/sandbox/types.js'

/** What dispatch adds to a request before a driver sees it; tests may set it or let it be derived. */
export interface RequestExtras {
  /** The matched route pattern; default: the function's own route that matches the path. */
  route?: string
  params?: Record<string, string>
  requestId?: string
  clientAddress?: string
}

export type TestInvokeOptions = InvokeOptions & RequestExtras

/** A Web Request as the plain invocation dispatch would build for it. */
export async function invocationOf(
  req: Request,
  extras: RequestExtras & { routes?: string[] } = {},
): Promise<HttpInvocation> {
  const url = new URL(req.url)
  let { route, params } = extras
  if (route === undefined) {
    // Driver tests may send paths dispatch would refuse (an encoded '/'): then no route matched.
    let segments: string[] | undefined
    try {
      segments = pathSegments(url.pathname)
    } catch {
      segments = undefined
    }
    const router = new Router((extras.routes ?? []).map((r): [string, string] => [r, r]))
    const match = segments && router.match(segments)
    route = match?.pattern ?? '/'
    params ??= match?.params
  }
  const body = req.body ? new Uint8Array(await req.arrayBuffer()) : null
  return {
    type: 'http',
    method: req.method,
    url: req.url,
    path: url.pathname,
    query: url.search.slice(1),
    route,
    params: params ?? {},
    headers: [...req.headers],
    body: req.method === 'GET' || req.method === 'HEAD' ? null : body,
    clientAddress: extras.clientAddress,
    requestId: extras.requestId ?? 'req-test',
  }
}

/** A guest's answer as a Web Response, for assertions: exactly what the driver answered. */
export function responseOf(res: GuestResponse): Response {
  const web = toWebResponse(res, '')
  web.headers.delete('x-request-id')
  return web
}

/** Sends a Web Request to a loaded function and gives back its answer as a Web Response. */
export async function invokeHttp(
  fn: LoadedFunction,
  req: Request,
  opts: TestInvokeOptions,
): Promise<Response> {
  const { route, params, requestId, clientAddress, ...invokeOptions } = opts
  const inv = await invocationOf(req, {
    route,
    params,
    requestId,
    clientAddress,
    routes: fn.spec.routes,
  })
  return responseOf(await fn.invoke(inv, invokeOptions))
}
