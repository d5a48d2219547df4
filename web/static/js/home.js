// Home and show lists: countdowns to each upcoming show, computed against the server clock.
import { startCountdowns } from "./countdown.js";

startCountdowns(document);
