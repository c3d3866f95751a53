/** Positions of fields in a block header's RLP list, as the Yellow Paper orders them. */
export const HEADER_PARENT_HASH = 0;
export const HEADER_NUMBER = 8;
export const HEADER_TIMESTAMP = 11;
