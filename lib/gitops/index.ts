export * from './argo-cd-application';
export * from './flux-git-repository';
export * from './flux-kustomization';
export * from './sync-annotations';
export * from './gitops-charts';
