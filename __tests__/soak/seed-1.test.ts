import { monthOfSeed } from './month.js'

monthOfSeed(1007)
