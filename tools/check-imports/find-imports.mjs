import ts from 'typescript';

// jest calls that load a module by name, so a test cannot reach a package through them unseen.
const JEST_MODULE_CALLS = new Set(['mock', 'doMock', 'unmock', 'requireActual', 'requireMock', 'createMockFromModule']);

const SCRIPT_KINDS = {
  '.ts': ts.ScriptKind.TS,
  '.mts': ts.ScriptKind.TS,
  '.cts': ts.ScriptKind.TS,
  '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS,
  '.mjs': ts.ScriptKind.JS,
  '.cjs': ts.ScriptKind.JS,
  '.jsx': ts.ScriptKind.JSX,
};

/** File extensions that `findImports` can parse. */
export const SOURCE_EXTENSIONS = Object.keys(SCRIPT_KINDS);

function literalText(node) {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  return null;
}

function moduleOfCall(call) {
  const callee = call.expression;
  const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword;
  const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
  const isRequireResolve =
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'require' &&
    callee.name.text === 'resolve';
  const isJestModuleCall =
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'jest' &&
    JEST_MODULE_CALLS.has(callee.name.text);

  if (!isDynamicImport && !isRequire && !isRequireResolve && !isJestModuleCall) return null;
  // A computed specifier such as `import(name)` cannot be checked statically and is skipped.
  return literalText(call.arguments[0]);
}

function moduleOfNode(node) {
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return literalText(node.moduleSpecifier);
  if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
    return literalText(node.moduleReference.expression);
  }
  if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) return literalText(node.argument.literal);
  if (ts.isCallExpression(node)) return moduleOfCall(node);
  return null;
}

/**
 * Lists the module specifiers a source file loads: static imports (`import type` included),
 * `export ... from`, `import x = require()`, `import('x')` types and calls, `require()`,
 * `require.resolve()` and jest's module mocks. Returns `{ specifier, line }` records with
 * 1-based line numbers, in source order.
 *
 * @param fileName Path of the file, used to choose the TypeScript or JavaScript grammar.
 * @param text Contents of the file.
 */
export function findImports(fileName, text) {
  const extension = fileName.slice(fileName.lastIndexOf('.'));
  const scriptKind = SCRIPT_KINDS[extension];
  if (scriptKind === undefined) {
    throw new Error(`Cannot parse "${fileName}": expected one of ${SOURCE_EXTENSIONS.join(', ')}.`);
  }

  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKind);
  const found = [];
  const visit = (node) => {
    const specifier = moduleOfNode(node);
    if (specifier !== null) {
      const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
      found.push({ specifier, line: line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}
