import { monthOfSeed } from './month.js'

monthOfSeed(2007)
