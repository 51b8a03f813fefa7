#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quickjs-libc.h"
/* Minimal QuickJS launcher: runs one ES module file with std and os
   registered under the names bellard's qjs uses ("std", "os"). */
int main(int argc, char **argv) {
  JSRuntime *rt = JS_NewRuntime();
  js_std_set_worker_new_context_func(NULL);
  js_std_init_handlers(rt);
  JSContext *ctx = JS_NewContext(rt);
  JS_SetModuleLoaderFunc(rt, NULL, js_module_loader, NULL);
  js_std_add_helpers(ctx, argc - 1, argv + 1);
  js_init_module_std(ctx, "std");
  js_init_module_os(ctx, "os");
  size_t len;
  uint8_t *buf = js_load_file(ctx, &len, argv[1]);
  if (!buf) { fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
  JSValue v = JS_Eval(ctx, (char *)buf, len, argv[1], JS_EVAL_TYPE_MODULE);
  if (JS_IsException(v)) { js_std_dump_error(ctx); return 1; }
  JS_FreeValue(ctx, v);
  js_std_loop(ctx);
  return 0;
}
