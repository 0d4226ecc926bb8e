/** The parser has no types of its own; this is the shape its README documents. */
declare module 'parse-prometheus-text-format' {
  export interface MetricFamily {
    name: string
    help: string
    type: string
    metrics: {
      value?: string
      labels?: Record<string, string>
      buckets?: Record<string, string>
      count?: string
      sum?: string
    }[]
  }
  export default function parsePrometheusTextFormat(text: string): MetricFamily[]
}
