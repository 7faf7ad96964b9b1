/** harness/fresh-bundle.mjs, typed for the suites that import it. */
export const BUNDLE_COVERAGE_DIR: string
export default function prepare(): void
export function freshBundle(): Promise<{ action: string; check: string }>
