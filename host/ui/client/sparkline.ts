/** Hand-drawn SVG sparklines: a path per series, fixed size, so live data never moves the layout. */
const NS = 'http://www.w3.org/2000/svg'
const W = 100
const H = 24

export function sparkline(label: string): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg')
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
  svg.setAttribute('preserveAspectRatio', 'none')
  svg.setAttribute('class', 'spark')
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', label)
  const path = document.createElementNS(NS, 'path')
  path.setAttribute('vector-effect', 'non-scaling-stroke')
  svg.append(path)
  return svg
}

/**
 * Draws `values` across the whole width (the newest at the right edge), scaled to the largest;
 * a null is a gap. The label says the latest value and the peak, for screen readers.
 */
export function drawSparkline(svg: SVGSVGElement, values: (number | null)[], label: string): void {
  const max = Math.max(0, ...values.map((v) => v ?? 0))
  const step = W / Math.max(1, values.length - 1)
  let d = ''
  let pen = false
  values.forEach((v, i) => {
    if (v === null) {
      pen = false
      return
    }
    const x = (i * step).toFixed(2)
    const y = (H - 1 - (max > 0 ? (v / max) * (H - 2) : 0)).toFixed(2)
    d += `${pen ? 'L' : 'M'}${x} ${y}`
    pen = true
  })
  svg.firstElementChild?.setAttribute('d', d)
  const last = values.at(-1)
  svg.setAttribute('aria-label', `${label}: latest ${last ?? 'none'}, peak ${max}`)
}
