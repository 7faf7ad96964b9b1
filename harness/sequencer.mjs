// The order the files start in: the soaks (about twenty seconds each), then the bundle suite (real processes),
// then the rest, longest first by Jest's own record of earlier runs. On a fresh clone Jest has no record and
// would start the small soak files last, leaving one worker alone with them at the end.
import Sequencer from '@jest/test-sequencer'

const weight = (path) => (/__tests__\/soak\//.test(path) ? 2 : /__tests__\/bundle\//.test(path) ? 1 : 0)

export default class LongestFirst extends Sequencer {
  sort(tests) {
    return [...super.sort(tests)].sort((a, b) => weight(b.path) - weight(a.path))
  }
}
