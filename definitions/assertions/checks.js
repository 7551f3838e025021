// Each data check of includes/checks.js twice: the weekly assertion over all history (tag "weekly"), and the daily
// check over the days the build changed (tag "daily"), which runs after the change-driven facts have logged them.
checks.CHECKS.forEach((check) => {
  assert(check.name, {
    tags: ["weekly", "assertions"],
    description: `${check.description} Weekly, over all history.`,
  }).query((ctx) => check.query((...name) => ctx.ref(...name), checks.everyDay, checks.everyDay));

  operate(`${check.name}_changed_days`, {
    tags: ["daily", "assertions"],
    description: `${check.description} Daily, on the days the build changed (build_log); fails naming them.`,
  })
    .dependencies(constants.CHANGE_DRIVEN_TABLES)
    .queries((ctx) => [checks.dailyCheck((...name) => ctx.ref(...name), check)]);
});
