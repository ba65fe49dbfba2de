;; Hostile WAGI: calls itself forever. wasmtime's max_wasm_stack stops it with a trap
;; ("call stack exhausted"), on any thread that has that much native stack left.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $down (param $n i64) (result i64)
    (i64.add (call $down (i64.add (local.get $n) (i64.const 1))) (i64.const 1)))
  (func (export "_start")
    (drop (call $down (i64.const 0)))
    (call $exit (i32.const 0))))
