/** Name of this npm package, exported so the package has a public entry point before its modules land. */
export const PACKAGE_NAME = '@peftjs/adapters-prefix';
