/**
 * The guide's activities. They do nothing but exist: which ones a workflow ran, and in which order, is what its
 * history shows and what the stages are about.
 */
export async function activityA(): Promise<void> {}

export async function activityB(): Promise<void> {}

export async function activityThatMustRunAfterA(): Promise<void> {}

/** The activity of the guide's "Do I need to patch?" examples (`guide-cases/`). */
export async function runActivity(): Promise<void> {}
