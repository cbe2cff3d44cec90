// calf_report has no sources yet (see the compare issue); this keeps the target valid.
namespace calf::report {
int ReportLibraryVersion() { return 0; }
}  // namespace calf::report
