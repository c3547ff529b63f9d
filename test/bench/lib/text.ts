/** Message texts of a given size that differ from one another, as real history does. */
export function benchText(i: number, size: number): string {
  const head = `message ${i}: `
  return (
    head + 'lorem ipsum dolor sit amet '.repeat(Math.ceil(size / 27)).slice(0, size - head.length)
  )
}
