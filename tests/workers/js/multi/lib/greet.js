import { punctuation } from "../punctuation.js";

export function greet(name) {
  return `Hello, ${name}${punctuation}`;
}
