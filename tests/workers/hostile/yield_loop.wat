;; Hostile WAGI: sched_yield forever (a host call that does nothing, natively in wasmtime).
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever
      (drop (call $yield))
      (br $forever))))
