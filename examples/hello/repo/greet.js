// Says hello.
export function greet(name) {
  return 'hi';
}
