/** Browsers: IndexedDB keeps no files a lost pointer could orphan, so there is nothing to check. */
export async function preflight(_path: string): Promise<void> {}
