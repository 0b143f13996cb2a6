// Byte-wise path ordering for trees; the one implementation lives in plan/.
export { compareBytes, compareKeys as compareLists } from "../plan/bytewise.ts";
