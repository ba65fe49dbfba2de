;; Reactor hello: two host calls per request; safe to reuse (no state).
(module
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (global (export "dispatch_emu_reuse") i32 (i32.const 1))
  (data (i32.const 0) "content-type: text/plain\n")       ;; 25 bytes
  (data (i32.const 32) "Hello from the reactor ABI!\n")   ;; 28 bytes
  (func (export "fetch")
    (call $head (i32.const 200) (i32.const 0) (i32.const 25))
    (call $write (i32.const 32) (i32.const 28))))
