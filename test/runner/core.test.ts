import { checkCases } from './check.cases.js';
import { killCases } from './kill.cases.js';
import { timerCases } from './timers.cases.js';

/**
 * Every test that starts a core (`createCore`, in this process or a child) runs from this one file, one after
 * the other: each core polls the same timer schedule (`fb:{timers:<shard>}:due` in database 8), and a core of
 * another file running at the same time would take this file's reminders and send them nowhere.
 */
timerCases();
killCases();
checkCases();
