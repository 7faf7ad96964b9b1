import { monthOfSeed } from './month.js'

monthOfSeed(3007)
