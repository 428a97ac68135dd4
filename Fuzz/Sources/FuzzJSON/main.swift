import FuzzDriver

#if canImport(Glibc)
import Glibc
#endif

// libFuzzer drives the run; its flags and corpus directories are this program's arguments.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data!, size) })
