;; Hostile reactor: declares a table of 100 M elements (800 MB before any code runs).
(module
  (memory (export "memory") 1)
  (table 100000000 funcref)
  (func (export "fetch")))
