;; The demo worker shipped with dispatch_emu (reactor ABI, see docs/abi.md):
;; "Hello from dispatch_emu! Worker <name> answered GET <url>".
(module
  (import "dispatch_emu" "read" (func $read (param i32 i32 i32) (result i32)))
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (global (export "dispatch_emu_reuse") i32 (i32.const 1))
  (data (i32.const 0) "content-type: text/plain; charset=utf-8\nx-powered-by: dispatch_emu\n")  ;; 67 bytes
  (data (i32.const 80) "Hello from dispatch_emu! Worker ")  ;; 32 bytes
  (data (i32.const 112) " answered ")                       ;; 10 bytes
  (data (i32.const 128) " ")                                ;; 1 byte
  (data (i32.const 136) "\n")                               ;; 1 byte
  ;; copy read(field) to 1024 (at most 60000 bytes) and write it out
  (func $copy (param $field i32)
    (local $n i32)
    (local.set $n (call $read (local.get $field) (i32.const 1024) (i32.const 60000)))
    (if (i32.gt_s (local.get $n) (i32.const 0))
      (then (call $write (i32.const 1024)
        (select (local.get $n) (i32.const 60000) (i32.lt_u (local.get $n) (i32.const 60000)))))))
  (func (export "fetch")
    (call $head (i32.const 200) (i32.const 0) (i32.const 67))
    (call $write (i32.const 80) (i32.const 32))
    (call $copy (i32.const 8))   ;; the worker's name
    (call $write (i32.const 112) (i32.const 10))
    (call $copy (i32.const 0))   ;; method
    (call $write (i32.const 128) (i32.const 1))
    (call $copy (i32.const 1))   ;; url
    (call $write (i32.const 136) (i32.const 1))))
