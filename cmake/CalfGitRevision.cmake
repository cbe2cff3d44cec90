# Writes the git revision of SOURCE_DIR into OUTPUT (a C++ source defining calf::kGitRevision).
# Run at every build (cmake -P) by the calf_git_revision target; configure_file leaves OUTPUT
# untouched when the revision has not changed, so nothing is recompiled then.
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE CALF_GIT_REVISION
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT CALF_GIT_REVISION)
  set(CALF_GIT_REVISION "unknown")
endif()
# a checkout with uncommitted changes to tracked files is marked, so outputs say so
execute_process(COMMAND git status --porcelain --untracked-files=no
  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE CALF_GIT_DIRTY
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(CALF_GIT_DIRTY AND NOT CALF_GIT_REVISION STREQUAL "unknown")
  set(CALF_GIT_REVISION "${CALF_GIT_REVISION}-dirty")
endif()
configure_file(${SOURCE_DIR}/core/git_revision.cc.in ${OUTPUT} @ONLY)
