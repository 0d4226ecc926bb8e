// Never returns: the QuickJS interrupt handler (the soft CPU limit) must stop it at its deadline.
export default {
  fetch() {
    for (;;);
  },
}
