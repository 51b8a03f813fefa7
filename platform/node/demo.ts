export async function run(args: string[]): Promise<number> {
  void args;
  return 1;
}
