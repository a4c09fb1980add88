// Lexical scopes for the static walk: which declaration a name means at a given point of a test
// file. A `const` inside a describe callback, a helper's parameter or a loop variable shadows a
// module-level name of the same spelling; resolving it to the module-level one would report a
// requirement as covered by tests that do not carry it.
import type { AstNode, SourceModule } from './source-module.ts';

/** What a name declared inside a function or block stands for. */
export type LocalBinding =
  /** A `const` (or a parameter bound to an argument): the expression, evaluated where it was written. */
  | { kind: 'expr'; node: AstNode | undefined; scope: Scope | undefined; module: SourceModule }
  /** A value the walk knows already: an element of a constant array a `for…of` loop walks. */
  | { kind: 'value'; value: unknown }
  /** A function declared in the scope: walked where it is called. */
  | { kind: 'function'; node: AstNode; scope: Scope; module: SourceModule }
  /** Known only at run time: a `let`, a loop variable, a parameter nobody passes, a destructured name. */
  | { kind: 'unknown'; reason: string };

/** One function or block scope. */
export interface Scope {
  parent: Scope | undefined;
  names: Map<string, LocalBinding>;
}

/** The binding `name` has in `scope` or an enclosing one; undefined means module level or global. */
export function lookup(scope: Scope | undefined, name: string): LocalBinding | undefined {
  for (let current = scope; current; current = current.parent) {
    const found = current.names.get(name);
    if (found) return found;
  }
  return undefined;
}

/** A new scope inside `parent`. */
export function childScope(parent: Scope | undefined): Scope {
  return { parent, names: new Map() };
}

/** The function a declaration binds, for `function f() {}` and `const f = () => {}` alike. */
export function declaredFunction(declarator: AstNode): AstNode | undefined {
  const init = declarator.init as AstNode | null | undefined;
  if (!init) return undefined;
  return init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression' ? init : undefined;
}

/**
 * Records the declarations of a block's (or a program's, or a function body's) statements in
 * `scope`: what is visible anywhere in it. Functions are remembered so the walk can visit them at
 * their call sites instead of where they are written.
 */
export function hoist(scope: Scope, statements: readonly AstNode[], module: SourceModule): void {
  for (const raw of statements) {
    const statement =
      (raw.type === 'ExportNamedDeclaration' || raw.type === 'ExportDefaultDeclaration') && raw.declaration
        ? (raw.declaration as AstNode)
        : raw;
    declare(scope, statement, module);
  }
}

/** Records one declaration (variable, function, class, enum) in `scope`. */
export function declare(scope: Scope, statement: AstNode, module: SourceModule): void {
  switch (statement.type) {
    case 'VariableDeclaration':
      for (const declarator of statement.declarations as AstNode[]) {
        const id = declarator.id as AstNode;
        const fn = declaredFunction(declarator);
        if (id.type === 'Identifier' && fn) {
          scope.names.set(id.name as string, { kind: 'function', node: fn, scope, module });
        } else if (id.type === 'Identifier' && statement.kind === 'const') {
          const init = (declarator.init as AstNode | null) ?? undefined;
          scope.names.set(id.name as string, { kind: 'expr', node: init, scope, module });
        } else {
          const reason =
            id.type === 'Identifier'
              ? `\`${id.name as string}\` is declared with ${statement.kind as string}, not const`
              : 'a destructured variable';
          for (const name of patternNames(id)) scope.names.set(name, { kind: 'unknown', reason });
        }
      }
      return;
    case 'FunctionDeclaration': {
      const id = statement.id as AstNode | null;
      if (id) scope.names.set(id.name as string, { kind: 'function', node: statement, scope, module });
      return;
    }
    case 'TSEnumDeclaration': {
      // Evaluated as the object of its members (see Evaluator).
      const id = statement.id as AstNode;
      scope.names.set(id.name as string, { kind: 'expr', node: statement, scope, module });
      return;
    }
    case 'ClassDeclaration': {
      const id = statement.id as AstNode | null;
      if (id)
        scope.names.set(id.name as string, {
          kind: 'unknown',
          reason: `\`${id.name as string}\` is a class`,
        });
      return;
    }
    default:
  }
}

/**
 * The scope of a function's parameters. With `args` (a call the walk follows), each parameter is
 * bound to its argument, evaluated in the caller's scope; without, parameters are run-time values.
 */
export function parameterScope(
  fn: AstNode,
  parent: Scope | undefined,
  call?: { args: readonly AstNode[]; scope: Scope | undefined; module: SourceModule },
): Scope {
  const scope = childScope(parent);
  (fn.params as AstNode[]).forEach((param, index) => {
    const arg = call?.args[index];
    if (param.type === 'Identifier' && call && (!arg || arg.type !== 'SpreadElement')) {
      scope.names.set(param.name as string, {
        kind: 'expr',
        node: arg,
        scope: call.scope,
        module: call.module,
      });
      return;
    }
    const reason =
      param.type === 'Identifier'
        ? `\`${param.name as string}\` is a parameter, known only when the function runs`
        : 'a destructured parameter';
    for (const name of patternNames(param)) scope.names.set(name, { kind: 'unknown', reason });
  });
  return scope;
}

/** The names a binding pattern declares. */
export function patternNames(pattern: AstNode): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name as string];
    case 'ObjectPattern':
      return (pattern.properties as AstNode[]).flatMap((p) =>
        patternNames((p.type === 'RestElement' ? p.argument : p.value) as AstNode),
      );
    case 'ArrayPattern':
      return (pattern.elements as (AstNode | null)[]).flatMap((e) => (e ? patternNames(e) : []));
    case 'AssignmentPattern':
      return patternNames(pattern.left as AstNode);
    case 'RestElement':
      return patternNames(pattern.argument as AstNode);
    case 'TSParameterProperty':
      return patternNames(pattern.parameter as AstNode);
    default:
      return [];
  }
}
