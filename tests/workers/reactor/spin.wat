;; Reactor spin: loops forever (CPU and wall-time limits).
(module
  (memory (export "memory") 1)
  (global (export "dispatch_emu_reuse") i32 (i32.const 1))
  (func (export "fetch")
    (loop $forever (br $forever))))
