export function greet(greeting, name) {
  return `${greeting} from ${name}!`;
}
