/** Types for parse-prometheus-text-format 1.1 (it ships none): one entry per metric family. */
declare module 'parse-prometheus-text-format' {
  export interface PromSample {
    /** Absent on histogram samples, which this parser reduces to their buckets. */
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface PromFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: PromSample[];
  }
  export default function parsePrometheusTextFormat(text: string): PromFamily[];
}
