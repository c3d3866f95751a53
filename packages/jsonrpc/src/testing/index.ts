export { statusLinesAskedTwice } from "./asked-twice.js";
